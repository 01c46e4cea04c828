// Which Vulkan driver Dawn uses in Node when the machine has no GPU driver of its own. Mesa 25
// lavapipe (installed by scripts/setup.mjs into .lavapipe/) runs our kernels 2-4x faster than
// Chromium's SwiftShader, so it is preferred when present; SwiftShader is the fallback. An explicit
// VK_ICD_FILENAMES always wins, and QUANT_STUDIO_VULKAN=swiftshader|lavapipe forces one of the two.
// Node only (reads the file system); the browser keeps its own adapter.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** The project-local lavapipe manifest, found from this file's folder upwards (src/gpu or dist-cli). */
export function lavapipeIcd(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const p = path.join(dir, '.lavapipe/lvp_icd.json');
    if (existsSync(p) && existsSync(path.join(dir, '.lavapipe/libvulkan_lvp.so'))) return p;
    dir = path.dirname(dir);
  }
  return null;
}

export type CpuVulkan = 'lavapipe' | 'swiftshader';

/** The ICD manifest for `which` (default: lavapipe when present, else SwiftShader), or null when absent. */
export function cpuVulkanIcd(which?: CpuVulkan): string | null {
  const swift = existsSync(SWIFTSHADER_ICD) ? SWIFTSHADER_ICD : null;
  if (which === 'swiftshader') return swift;
  if (which === 'lavapipe') return lavapipeIcd();
  return lavapipeIcd() ?? swift;
}

/**
 * Sets VK_ICD_FILENAMES (and XDG_RUNTIME_DIR) for Dawn before its first use, unless the user set it.
 * Throws when QUANT_STUDIO_VULKAN names a driver that is not installed.
 */
export function chooseVulkanDriver(): void {
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  if (process.env.VK_ICD_FILENAMES) return;
  const forced = process.env.QUANT_STUDIO_VULKAN;
  if (forced && forced !== 'lavapipe' && forced !== 'swiftshader') {
    throw new Error(`QUANT_STUDIO_VULKAN=${forced}: use "lavapipe" or "swiftshader" (or set VK_ICD_FILENAMES to a Vulkan driver's manifest)`);
  }
  const icd = cpuVulkanIcd(forced as CpuVulkan | undefined);
  if (forced && !icd) {
    throw new Error(
      forced === 'lavapipe'
        ? 'QUANT_STUDIO_VULKAN=lavapipe, but .lavapipe/ is missing: run `node scripts/setup.mjs` (it fetches Mesa 25 lavapipe with apt)'
        : `QUANT_STUDIO_VULKAN=swiftshader, but ${SWIFTSHADER_ICD} is missing: apt-get install chromium`,
    );
  }
  if (icd) process.env.VK_ICD_FILENAMES = icd;
}
