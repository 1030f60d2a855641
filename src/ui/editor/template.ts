/**
 * The text "New scenario" opens: a header to adapt and the smallest
 * driver-like sequence worth stepping through (allocate, fill, map, check
 * the mapping, let the device read, unmap, free), each line saying what to
 * change. Comments point at the hover docs and the reference.
 */
export const NEW_SCENARIO = `# New scenario: describe what it shows here.
# Hover a call for its documentation, Ctrl+Space completes names and
# values; "Reference" lists the whole language.

machine(arch=arm64, kernel="6.18")   # arch: arm64, arm, x86, riscv
device(dev, dma_mask=64, coherent=false)

buf = kmalloc(256, GFP_KERNEL)
cpu_write(buf, "hello, device")

h = dma_map_single(dev, buf, 256, DMA_TO_DEVICE)
dma_mapping_error(dev, h)  => 0

dev_read(dev, h, 13)  => "hello, device"

dma_unmap_single(dev, h, 256, DMA_TO_DEVICE)
kfree(buf)
`;
