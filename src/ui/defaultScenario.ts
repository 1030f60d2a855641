/**
 * The scenario the explorer opens with when there is no saved text and no
 * shared link. It teaches one thing by itself: on a non-coherent arm64 SoC the
 * CPU must give a DMA_FROM_DEVICE buffer back with dma_sync_single_for_cpu()
 * before reading it. Only operations of the language contract (v1) are used.
 */
export const DEFAULT_SCENARIO = `# Why dma_sync_single_for_cpu() matters
# on arm64 with a device that does not snoop the CPU caches.
#
# Step with the arrow keys or the buttons on the right, and
# read what the kernel does to the CPU cache at each call.

machine(arch=arm64)
device(dev, coherent=false)

buf = kmalloc(256, GFP_KERNEL)
cpu_write(buf, "CPU wrote this..")  # dirty lines, not in RAM

# Hand the buffer to the device for a device-to-memory
# transfer. arm64 cleans the lines (dirty data goes to RAM);
# they stay valid in the cache.
h = dma_map_single(dev, buf, 256, DMA_FROM_DEVICE)
dma_mapping_error(dev, h)  => 0

# The device writes straight to RAM, past the CPU cache.
dev_write(dev, h, "device wrote it!")

# Bug: the buffer still belongs to the device. The CPU hits
# its own stale cache line, not what the device wrote.
cpu_read(buf, 16)  => "CPU wrote this.."

# Give the buffer back to the CPU: arm64 invalidates the
# lines, so the next read misses and fetches the device's
# data from RAM.
dma_sync_single_for_cpu(dev, h, 256, DMA_FROM_DEVICE)
cpu_read(buf, 16)  => "device wrote it!"

dma_unmap_single(dev, h, 256, DMA_FROM_DEVICE)  => ok
kfree(buf)
`;
