// Vitest setup: point Dawn at Chromium's SwiftShader Vulkan driver when no other ICD is chosen.
import { existsSync } from 'node:fs';

const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(icd)) process.env.VK_ICD_FILENAMES = icd;
process.env.XDG_RUNTIME_DIR ??= '/tmp';
