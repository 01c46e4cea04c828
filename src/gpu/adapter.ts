// Finding a WebGPU adapter and asking it for a device with its own limits and the optional features
// the kernels use; a description of the adapter for reports, and the error when there is none.

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
}

/** WebGPU is missing or gave no adapter: the message says what the user can do. */
export class GpuUnavailableError extends Error {
  override name = 'GpuUnavailableError';
}

export function describeAdapter(adapter: GPUAdapter): AdapterDescription {
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter),
    features: [...adapter.features].map(String).sort(),
  };
}

export function adapterLabel(a: AdapterDescription): string {
  const parts = [a.vendor, a.architecture, a.device || a.description].filter(Boolean);
  return (parts.join(' ') || 'unknown adapter') + (a.isFallbackAdapter ? ' (fallback)' : '');
}

/** Limits raised to what the adapter allows (large weights and caches bind whole). */
const WANTED_LIMITS: (keyof GPUSupportedLimits)[] = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxStorageBuffersPerShaderStage',
];
const OPTIONAL_FEATURES = ['shader-f16', 'timestamp-query', 'subgroups'] as GPUFeatureName[];

/** A high-performance adapter's device, or GpuUnavailableError saying what `where` lacks. */
export async function requestDevice(gpu: GPU | undefined, where: string): Promise<{ device: GPUDevice; adapter: AdapterDescription }> {
  if (!gpu) {
    throw new GpuUnavailableError(
      `WebGPU is not available in ${where}. Use Chrome or Edge 113+ (desktop), or start Chromium with --enable-unsafe-webgpu; in Firefox/Safari enable WebGPU in the browser settings.`,
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new GpuUnavailableError(
      `WebGPU is present in ${where} but returned no adapter (GPU blocklisted or drivers missing). In Chrome open chrome://gpu; headless Chromium needs --enable-unsafe-webgpu; on Linux a Vulkan driver is required.`,
    );
  }
  const requiredLimits: Record<string, number> = {};
  for (const k of WANTED_LIMITS) requiredLimits[k] = adapter.limits[k] as number;
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'quant-studio' });
  return { device, adapter: describeAdapter(adapter) };
}
