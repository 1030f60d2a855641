/**
 * The log "Try an example" explains: what a 6.15 arm64 board's console shows
 * when a NIC driver syncs a receive buffer after unmapping it (dma-debug's
 * WARN block in full, with a line around it that is not a DMA message). The
 * addresses, modules and board are made up; the wording and the shape of the
 * block are the kernel's (kernel/dma/debug.c check_sync(), err_printk's
 * WARN). The same text is test/fixtures/dmesg/stmmac-sync-after-unmap.6.15.log,
 * which the tests explain too.
 */
export const EXAMPLE_LOG_NAME = 'example: a NIC syncs after unmap (Linux 6.15, arm64)';

export const EXAMPLE_LOG = `[  121.880412] rk_gmac-dwmac fe1b0000.ethernet eth0: Link is Up - 1Gbps/Full - flow control rx/tx
[  121.880803] ------------[ cut here ]------------
[  121.880806] DMA-API: rk_gmac-dwmac fe1b0000.ethernet: device driver tries to sync DMA memory it has not allocated [device address=0x00000000c3110000] [size=2048 bytes]
[  121.880829] WARNING: CPU: 0 PID: 0 at kernel/dma/debug.c:1073 check_sync+0x1d0/0x5e8
[  121.880841] Modules linked in: dwmac_rk stmmac_platform stmmac pcs_xpcs phylink rockchipdrm drm_dma_helper
[  121.880870] CPU: 0 UID: 0 PID: 0 Comm: swapper/0 Not tainted 6.15.0-rc4-00112-g5a1e0b2c9d41 #3 PREEMPT
[  121.880876] Hardware name: Radxa ROCK 5B (DT)
[  121.880880] pstate: 604000c9 (nZCv daIF +PAN -UAO -TCO -DIT -SSBS BTYPE=--)
[  121.880886] pc : check_sync+0x1d0/0x5e8
[  121.880892] lr : check_sync+0x1d0/0x5e8
[  121.880897] sp : ffff800080003d20
[  121.880960] Call trace:
[  121.880963]  check_sync+0x1d0/0x5e8 (P)
[  121.880970]  debug_dma_sync_single_for_device+0x8c/0xa0
[  121.880977]  __dma_sync_single_for_device+0x4c/0x1a0
[  121.880984]  stmmac_rx+0x6f4/0xe90 [stmmac]
[  121.880998]  stmmac_napi_poll_rx+0x70/0x140 [stmmac]
[  121.881006]  __napi_poll+0x40/0x218
[  121.881013]  net_rx_action+0x318/0x3a0
[  121.881019]  handle_softirqs+0x118/0x350
[  121.881026]  __do_softirq+0x1c/0x28
[  121.881028] irq event stamp: 118220
[  121.881031] ---[ end trace 0000000000000000 ]---
`;
