/**
 * The lines the kernel prints around a WARN or BUG (lib/bug.c report_bug,
 * kernel/panic.c __warn, the architecture's show_regs and dump_stack), and
 * dma-debug's "Mapped at:" stack (kernel/dma/debug.c dump_entry_trace):
 * recognised by shape, so that a splat's message is grouped with its block
 * and the block says where it fired and who called. Pure.
 */

export const CUT_HERE = /^-+\[ cut here \]-+$/;
export const END_TRACE = /^-+\[ end (?:trace|Kernel panic)[^\]]*\]-+$/;

export interface WarnSite {
  file: string | null;
  line: number | null;
  fn: string;
}

/**
 * __warn()'s first line in its three shapes: "WARNING: CPU: 0 PID: 1 at FILE:LINE FN+0x…/0x…" (3.x–6.18),
 * "WARNING: FILE:LINE at FN+0x…/0x…, CPU#0: comm/1" (newer), "WARNING: at FILE:LINE FN+0x…/0x…()" (old).
 */
const WARNING = /^WARNING: (?:CPU: \d+ PID: \d+ )?(?:at )?(?:(\S+?):(\d+) )?(?:at )?([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/;
/** BUG()'s: "kernel BUG at FILE:LINE!". */
const BUG = /^kernel BUG at (\S+?):(\d+)!/;
/** The faulting function in the register dump: arm64 "pc : ", x86 "RIP: 0010:", arm "PC is at ". */
const PC = /^(?:pc : |RIP: [0-9a-f]{4}:|EIP: (?:[0-9a-f]{4}:)?|PC is at |NIP \[[0-9a-f]+\] )(?:\[<[0-9a-f]+>\] )?([A-Za-z_][\w.]*)\+0x/;
/** One stack frame: " func+0x1c/0x40 [module]", with an optional "[<ffff…>] " address and "? " (unreliable). */
const FRAME = /^\s*(?:\[<[0-9a-f]+>\]\s*)?(\?\s+)?([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+(?:\s+\[([\w-]+)\])?/;
/** The version in the "CPU: 0 PID: 1 Comm: x Not tainted 6.1.0-13-arm64 #1" line, or "Linux version 6.1.0". */
const VERSION = /(?:\b(?:Not tainted|Tainted: [A-Z ]*?)\s+|^Linux version )(\d+\.\d+)(?=[.\-+ _~]|$)/;
/** dma-debug's dump_entry_trace() header after its WARN. */
export const MAPPED_AT = /^(?:DMA-API: )?Mapped at:$/;

/** Lines of a WARN/BUG block that carry no message of their own: registers, modules, the trace's markers. */
const CONTEXT = [
  /^Modules linked in:/,
  /^CPU: \d+ /,
  /^Hardware name:/,
  /^Workqueue:/,
  /^(?:pstate|pc|lr|sp) ?:/,
  /^(?:x\d+|[a-z]\d+) ?: [0-9a-f]{16}/,
  /^(?:RIP|EIP|RSP|RAX|RDX|RBP|R\d+|FS|CS|CR2|DR\d|PKRU|EFLAGS|ESP|EAX|ESI|DS):/,
  /^Code: /,
  /^(?:Call [Tt]race|Backtrace|Exception stack\(|Stack):?/,
  /^<\/?(?:IRQ|TASK|NMI|SOFTIRQ|EOI)>$/,
  /^irq event stamp:/,
  /^(?:hardirqs|softirqs) last +(?:enabled|disabled) at/,
  /^(?:Internal error|invalid opcode|Oops|general protection fault|Kernel panic)/,
  /^(?:PC is at|LR is at|pc : |lr : |NIP |LR )/,
  /^\s*(?:sp|ip|fp|psr|r\d+) ?: /,
  /^---\[/,
  /^Tainted: /,
  /^Mem abort info:|^ {2}(?:ESR|EC|SET|FnV|EA|S1PTW|FSC|Data abort info)/,
];

export function warnSite(text: string): WarnSite | null {
  const m = WARNING.exec(text);
  if (m) return { file: m[1] ?? null, line: m[2] ? Number(m[2]) : null, fn: m[3]! };
  const b = BUG.exec(text);
  if (b) return { file: b[1]!, line: Number(b[2]), fn: '' };
  return null;
}

/** The function the register dump names (for a BUG, where it fired). */
export function pcFunction(text: string): string | null {
  return PC.exec(text)?.[1] ?? null;
}

export interface Frame {
  fn: string;
  module: string | null;
  /** Marked "?" by the unwinder: possibly a stale return address. */
  unreliable: boolean;
}

export function frameOf(text: string): Frame | null {
  const m = FRAME.exec(text);
  return m ? { fn: m[2]!, module: m[3] ?? null, unreliable: !!m[1] } : null;
}

export function kernelVersionIn(text: string): string | null {
  return VERSION.exec(text)?.[1] ?? null;
}

export function isContext(text: string): boolean {
  const t = text.trim();
  return CONTEXT.some((re) => re.test(t));
}

/**
 * The DMA API's own machinery in a stack (the WARN, dma-debug, the mapping
 * front door and its back ends): the first frame past these is the caller,
 * the driver code that made the call.
 */
const DMA_CORE =
  /^(?:__?warn|warn_|report_bug|handle_bug|exc_|asm_exc_|do_trap|do_error_trap|bug_handler|call_break_hook|brk_handler|do_debug_exception|el1h?_|el1_|dump_stack|show_stack|__dump_stack|check_unmap|check_sync|check_for_|check_sg_segment|debug_dma_|add_dma_entry|active_cacheline|dma_debug_|err_printk|__?dma_|dma_|swiotlb_|__swiotlb|iommu_dma_|__iommu_dma|iommu_|__iommu|arm_lpae_|__arm_lpae|arm_smmu_|report_addr|cma_|__cma|alloc_contig|lockdep_|lock_acquire|__lock_acquire|print_deadlock|validate_chain|check_prev_add|mutex_|ww_mutex|__ww_mutex|__mutex|dma_resv_|dma_buf_|_raw_spin|stack_trace_save|save_stack|kernel_init|ret_from_fork)/;

export function isDmaCore(fn: string): boolean {
  return DMA_CORE.test(fn);
}

/** The driver core and interrupt plumbing between a driver and the DMA API in some traces (an unbind, a NAPI poll). */
const PLUMBING = /^(?:notifier_call_chain|blocking_notifier_call_chain|bus_notify|device_del|device_release_driver|__device_release_driver|device_release_driver_internal|driver_detach|bus_remove_driver|really_probe|__driver_probe_device|driver_probe_device|__napi_poll|net_rx_action|__do_softirq|handle_softirqs|irq_exit|do_softirq|process_one_work|worker_thread|kthread)$/;

/**
 * The driver's call: the first reliable frame outside the DMA API, the WARN
 * machinery and the driver core — a module's frame first, when there is one.
 */
export function callerFrame(frames: readonly Frame[]): Frame | null {
  const outside = frames.filter((f) => !f.unreliable && !isDmaCore(f.fn) && !PLUMBING.test(f.fn));
  return outside.find((f) => f.module !== null) ?? outside[0] ?? null;
}
