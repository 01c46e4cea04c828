// The Step uniform of the training kernels lives with them (src/gpu/kernels/step.ts: its layout
// is shaders/lib/step.wgsl's); reconstruction writes it through these names.
export * from '../gpu/kernels/step';
