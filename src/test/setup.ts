// Vitest setup: point Dawn at a CPU Vulkan driver when no other ICD is chosen — lavapipe when
// scripts/setup.mjs installed it, else Chromium's SwiftShader (src/gpu/vulkan-icd.ts).
// scripts/test.mjs also runs the kernel tests with QUANT_STUDIO_VULKAN=swiftshader.
import { chooseVulkanDriver } from '../gpu/vulkan-icd';

chooseVulkanDriver();
