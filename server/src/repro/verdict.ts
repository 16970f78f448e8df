// repro: from a captured serial console to a verdict (pure). The guest's own lines start
// with "REPRO" (scripts/repro/init.sh and repro.c); everything else is the kernel's.
import type { Expectation, HazardKind } from './scenarios';

export type Verdict = 'reproduced' | 'not reproduced' | 'could not run';

export interface Judgement {
  verdict: Verdict;
  /** For "could not run": why, in a few words. */
  why?: string;
  /** The console lines that decided it, in console order. */
  lines: string[];
  /** The guest never reached /init: worth one more boot (TCG sometimes dies early). */
  bootFailed?: boolean;
}

/** Strips carriage returns, ANSI escapes and the printk timestamp. */
export function consoleLines(text: string): string[] {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n/).map((l) => l.replace(/\r/g, '').replace(/^\[\s*\d+\.\d+\]\s?/, '')).filter((l) => l.trim() !== '');
}

const OOPS_MARKER = /BUG: kernel NULL pointer dereference, address: 0000000000000001/;
const DAX_LOCK = /\bdax_lock_(folio|page)\b/;
/** Kernel lines worth showing whatever the verdict. */
const KERNEL_NOTABLE = /^(BUG:|Oops:|WARNING:|RIP:|Call Trace:|Kernel panic|general protection fault|Memory failure:|INFO: task .* blocked|watchdog: BUG: soft lockup|rcu: INFO)/;

/** The call-trace lines after a "Call Trace:" (function names only, up to `max`). */
function traceAfter(lines: string[], start: number, max: number): string[] {
  const out: string[] = [];
  for (let i = start + 1; i < lines.length && out.length < max; i++) {
    const l = lines[i].trim();
    if (/^<\/?(TASK|IRQ)>$/.test(l)) continue;
    if (!/^\??\s*[A-Za-z_][\w.]*\+0x[0-9a-f]+\/0x[0-9a-f]+/.test(l)) break;
    if (l.startsWith('?')) continue; // not a reliable frame
    out.push(lines[i]);
  }
  return out;
}

function judgeDaxLockOops(lines: string[], ranProgram: boolean, ended: boolean): Judgement {
  const oops = lines.findIndex((l) => OOPS_MARKER.test(l));
  if (oops >= 0) {
    const rip = lines.slice(oops).find((l) => /^RIP: /.test(l.trim()) && !/RIP: 0033/.test(l));
    const ct = lines.findIndex((l, i) => i > oops && /Call Trace:/.test(l));
    const trace = ct >= 0 ? traceAfter(lines, ct, 8) : [];
    const mf = lines.filter((l, i) => i < oops && /Memory failure:|Injecting memory failure/.test(l)).slice(-2);
    // After the oops: does a second memory failure (a single-owner file) still complete?
    const after = lines.filter((l, i) => i > oops && /^REPRO: (second poisoning|task \d+ state|stack )/.test(l));
    const decisive = [...mf, lines[oops], ...(rip ? [rip] : []), ...(ct >= 0 ? [lines[ct]] : []), ...trace, ...after];
    if ((rip && DAX_LOCK.test(rip)) || trace.some((l) => DAX_LOCK.test(l))) return { verdict: 'reproduced', lines: decisive };
    return { verdict: 'not reproduced', lines: decisive, why: 'an oops at address 0x1, but not in dax_lock_folio/dax_lock_page' };
  }
  const outcome = lines.filter((l) => /^REPRO: (madvise|pid \d+ got SIGBUS|(second )?poisoning child|page still readable)/.test(l) || /^(Memory failure:|WARNING:|BUG:|Oops:)/.test(l));
  if (ranProgram && outcome.some((l) => /^REPRO: poisoning child (exited|killed|did not end)/.test(l))) return { verdict: 'not reproduced', lines: outcome };
  return { verdict: 'could not run', why: ended ? 'the guest program gave no result' : 'the guest stopped before the program finished', lines: outcome };
}

/** Frames of the pinning path in a sysrq-l backtrace: where a hung syscall spins. */
const GUP_FRAME = /^(RIP: 0010:)?\s*(__get_user_pages|__gup_longterm_locked|get_user_pages\w*|pin_user_pages\w*|follow_page\w*|faultin_page|handle_mm_fault|__handle_mm_fault|iov_iter_extract_pages|iov_iter_get_pages\w*|bio_iov_iter_get_pages|__blkdev_direct_IO\w*|blkdev_direct_IO|process_vm_rw\w*|__x64_sys_\w+)\+0x/;

function judgeSyscallHang(lines: string[], ranProgram: boolean): Judgement {
  const mine = lines.filter((l) => /^REPRO: /.test(l) && /(did not return|returned|ended by SIGKILL|survives SIGKILL|task \d+ state|stack |pagemap|writer|reader)/.test(l));
  const hung = lines.findIndex((l) => /^REPRO: .*did not return within/.test(l));
  const frames = hung < 0 ? [] : [...new Set(lines.slice(hung).filter((l) => GUP_FRAME.test(l.trim())).map((l) => l.trim()))].slice(0, 8);
  const kernel = lines.filter((l) => /^(BUG:|Oops:|WARNING:|Kernel panic|INFO: task .* blocked|watchdog: BUG: soft lockup|rcu: INFO)/.test(l.trim())).slice(0, 6);
  const decisive = [...mine, ...frames.map((f) => `  ${f}`), ...kernel];
  if (mine.some((l) => /did not return within/.test(l))) return { verdict: 'reproduced', lines: decisive };
  if (mine.some((l) => /(O_DIRECT write|process_vm_readv) returned/.test(l))) return { verdict: 'not reproduced', lines: decisive };
  return { verdict: 'could not run', why: ranProgram ? 'the guest program gave no result' : 'the guest stopped before the program ran', lines: decisive };
}

function judgePagemap(lines: string[], ranProgram: boolean): Judgement {
  const pm = lines.filter((l) => /^REPRO: (pagemap page\d|\/mnt\/A extents)/.test(l));
  const page1 = pm.find((l) => l.startsWith('REPRO: pagemap page1: '));
  if (!page1) return { verdict: 'could not run', why: ranProgram ? 'no pagemap line' : 'the guest stopped before the program ran', lines: pm };
  // Page 1 was never touched: present means the fault at page 0 mapped a PMD.
  if (!/present=1/.test(page1)) return { verdict: 'could not run', why: 'the fault mapped no PMD (page 1 not present)', lines: pm };
  // PM_FILE (bit 61) clear on a present PMD of a file mapping: reported as anonymous.
  return { verdict: /file-or-shared-anon=0/.test(page1) ? 'reproduced' : 'not reproduced', lines: pm };
}

const addrOf = (s: string | undefined): bigint | undefined => {
  const m = s ? /^0x[0-9a-f]+/i.exec(s.trim()) : null;
  return m ? BigInt(m[0]) : undefined;
};

/**
 * which-page: the program poisons one 4 KiB window of a 2 MiB extent (first faulted as a PMD, or
 * not) and reports SIGBUS (si_addr) and the window's pagemap present bit afterwards. The hazard:
 * no SIGBUS, a SIGBUS naming another address, or the poisoned page still mapped.
 */
function judgeWhichPage(lines: string[], ranProgram: boolean, ended: boolean): Judgement {
  const decisive = lines.filter((l) => /^REPRO: (whichpage: (no 2 MiB|2 MiB extent|poisoning|no SIGBUS|no PMD)|pmd page1|(head|tail) window:|madvise|pid \d+ got SIGBUS|after poison|poisoning child)/.test(l)
    || /^(Memory failure:|BUG:|Oops:|WARNING:|Kernel panic|INFO: task .* blocked)/.test(l.trim()));
  const cannot = (why: string): Judgement => ({ verdict: 'could not run', why, lines: decisive });
  const noExtent = lines.find((l) => /^REPRO: whichpage: no 2 MiB-aligned extent/.test(l));
  if (noExtent) return cannot('no 2 MiB-aligned extent to map as a PMD');
  const page1 = lines.find((l) => l.startsWith('REPRO: pmd page1: '));
  // Page 1 was never touched: present means the fault at page 0 mapped a PMD.
  if (page1 && !/present=1/.test(page1)) return cannot('the 2 MiB fault mapped no PMD (page 1 not present)');
  const target = addrOf(lines.find((l) => /^REPRO: whichpage: poisoning /.test(l))?.replace(/^.* at /, ''));
  if (target === undefined) return cannot(ranProgram ? (ended ? 'the guest program gave no result' : 'the guest stopped before the program finished') : 'the guest stopped before the program ran');
  const sigbus = lines.find((l) => /^REPRO: pid \d+ got SIGBUS /.test(l));
  const madvise = lines.find((l) => /^REPRO: madvise\(MADV_HWPOISON\) returned/.test(l));
  if (!sigbus && madvise && !/returned 0\b/.test(madvise)) return cannot(`madvise(MADV_HWPOISON) failed: ${madvise.replace(/^.*returned /, '')}`);
  const after = lines.find((l) => /^REPRO: after poison: poisoned page /.test(l));
  if (!after) return cannot(ended ? 'the poisoning child gave no result' : 'the guest stopped before the poisoning child finished');
  const sigAddr = addrOf(sigbus ? / addr (\S+)/.exec(sigbus)?.[1] : undefined);
  const rightSignal = sigAddr !== undefined && sigAddr === target;
  const stillMapped = /poisoned page \S+ present=1/.test(after);
  return { verdict: !rightSignal || stillMapped ? 'reproduced' : 'not reproduced', lines: decisive };
}

/** The verdict of one run from its console. */
export function judgeConsole(hazard: HazardKind, text: string): Judgement {
  const lines = consoleLines(text);
  const booted = lines.some((l) => l.startsWith('REPRO-BOOT '));
  if (!booted) {
    const notable = lines.filter((l) => KERNEL_NOTABLE.test(l.trim())).slice(0, 4);
    return { verdict: 'could not run', why: 'the guest did not reach /init', lines: notable.length ? notable : lines.slice(-3), bootFailed: true };
  }
  const setup = lines.find((l) => l.startsWith('REPRO-SETUP-FAILED'));
  const insmod = lines.filter((l) => /^REPRO: insmod .* failed/.test(l));
  if (setup) return { verdict: 'could not run', why: setup.replace(/^REPRO-SETUP-FAILED\s*/, 'guest setup failed: '), lines: [...insmod, setup] };
  const ranProgram = lines.some((l) => l.startsWith('REPRO-RUN '));
  const ended = lines.some((l) => l.startsWith('REPRO-END'));
  switch (hazard) {
    case 'dax-lock-oops': return judgeDaxLockOops(lines, ranProgram, ended);
    case 'syscall-hang': return judgeSyscallHang(lines, ranProgram);
    case 'pagemap-flags': return judgePagemap(lines, ranProgram);
    case 'which-page': return judgeWhichPage(lines, ranProgram, ended);
  }
}

/** Whether a verdict is what the variant expects. */
export function meetsExpectation(verdict: Verdict, expect: Expectation): boolean {
  return verdict === expect;
}
