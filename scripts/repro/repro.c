/* fsdax-audit repro: the guest's user program (built with gcc -static on the host).
 * Every line it prints starts with "REPRO: " so the host's verdict parser can tell it
 * from kernel messages on the same serial console.
 *
 *   repro poison FILE read|write [THEN] map FILE MAP_SHARED, fault page 0, then
 *                                       madvise(MADV_HWPOISON) it in a forked child;
 *                                       then the same on the single-owner file THEN
 *   repro odirect FILE BLOCKDEV SECS    read-fault FILE, O_DIRECT write from that
 *                                       buffer to BLOCKDEV (FOLL_PIN, read-only) in a child
 *   repro vmreadv FILE read|cow SECS    a child maps FILE (cow: write-fault then
 *                                       mprotect(PROT_READ)); another process reads it
 *                                       with process_vm_readv (FOLL_PIN, read-only)
 *   repro pagemap FILE read|write       /proc/self/pagemap of a 2 MiB-aligned read-faulted
 *                                       mapping (a PMD mapping when the extent allows)
 *   repro whichpage FILE WHAT pmd|nopmd find a 2 MiB extent of FILE that can be PMD-mapped
 *                                       (FIEMAP), (pmd) fault it as a PMD and unmap it; then a
 *                                       child maps 4 KiB windows of it (WHAT: tail = page 37,
 *                                       head = page 0, head-and-tail = both), poisons the target
 *                                       page (page 37, or 0 for head) with madvise(MADV_HWPOISON)
 *                                       and says whether SIGBUS came, its si_addr, and whether
 *                                       the windows are still mapped (/proc/self/pagemap)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif

static const size_t LEN = 64 * 1024;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  /* One write per line: lines from parent and child do not interleave. */
  dprintf(1, "REPRO: %s\n", buf);
}

static void die(const char *what) {
  say("error: %s: %s", what, strerror(errno));
  exit(2);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_sigbus(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  char buf[128];
  int n = snprintf(buf, sizeof buf, "REPRO: pid %d got SIGBUS code %d addr %p\n", getpid(), si->si_code, si->si_addr);
  (void)sig;
  if (write(1, buf, n) < 0) {}
  _exit(7);
}

static void catch_sigbus(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGBUS, &sa, NULL);
}

static char *map_file(const char *file, int prot) {
  int fd = open(file, (prot & PROT_WRITE) ? O_RDWR : O_RDONLY);
  if (fd < 0) die("open");
  char *p = mmap(NULL, LEN, prot, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) die("mmap");
  close(fd);
  return p;
}

static void print_pagemap(const char *who, void *addr) {
  int fd = open("/proc/self/pagemap", O_RDONLY);
  uint64_t e = 0;
  if (fd < 0 || pread(fd, &e, 8, ((uintptr_t)addr / 4096) * 8) != 8) { say("%s: pagemap unreadable", who); return; }
  close(fd);
  say("%s: pagemap present=%d file-or-shared-anon=%d exclusive=%d pfn=0x%llx",
      who, (int)(e >> 63 & 1), (int)(e >> 61 & 1), (int)(e >> 56 & 1), (unsigned long long)(e & ((1ULL << 55) - 1)));
}

/* Wait for pid at most secs seconds; returns 1 if it ended (status in *st), 0 if not. */
static int wait_for(pid_t pid, double secs, int *st) {
  double end = now() + secs;
  while (now() < end) {
    pid_t r = waitpid(pid, st, WNOHANG);
    if (r == pid) return 1;
    usleep(20000);
  }
  return 0;
}

static void describe_status(const char *who, int st) {
  if (WIFEXITED(st)) say("%s exited with status %d", who, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) say("%s killed by signal %d", who, WTERMSIG(st));
}

static void show_task(pid_t pid) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY);
  if (fd >= 0) {
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0) {
      buf[n] = 0;
      char *s = strrchr(buf, ')');
      if (s) say("task %d state %c", pid, s[2]);
    }
  }
  snprintf(path, sizeof path, "/proc/%d/stack", pid);
  fd = open(path, O_RDONLY);
  if (fd >= 0) {
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0) {
      buf[n] = 0;
      for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) say("stack %s", line);
    }
  }
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) return;
  if (write(fd, text, strlen(text)) < 0) {}
  close(fd);
}

/* Ends a child that did not return: where it runs (sysrq-l backtraces of the busy CPUs,
 * at a console loglevel that shows them), SIGKILL, then whether it went away. */
static void kill_and_reap(pid_t pid, const char *what, double secs) {
  int st;
  say("%s did not return within %.0f s", what, secs);
  tcdrain(1); /* the console is shared with printk: let our line out first */
  usleep(300000);
  write_file("/proc/sys/kernel/printk", "8");
  write_file("/proc/sysrq-trigger", "l");
  sleep(2);
  write_file("/proc/sys/kernel/printk", "5");
  show_task(pid);
  show_task(pid); /* twice: a livelock keeps running, a sleeper keeps sleeping */
  kill(pid, SIGKILL);
  if (wait_for(pid, 10, &st)) say("%s ended by SIGKILL", what);
  else say("%s survives SIGKILL for 10 s", what);
}

/* Poisons page 0 of a mapping of file in a forked child; returns 1 if the child ended. */
static int poison_once(const char *who, const char *file, const char *fault, double secs) {
  char *p = map_file(file, PROT_READ | PROT_WRITE);
  volatile char *v = p;
  if (!strcmp(fault, "write")) v[0] = 0x5a; else (void)v[0];
  say("mapped %s, %s fault on page 0", file, fault);
  print_pagemap(who, p);
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    catch_sigbus();
    int r = madvise(p, 4096, MADV_HWPOISON);
    say("madvise(MADV_HWPOISON) returned %d%s%s", r, r ? " " : "", r ? strerror(errno) : "");
    (void)v[0];
    say("page still readable after poisoning");
    _exit(0);
  }
  int st;
  char what[64];
  snprintf(what, sizeof what, "%s child", who);
  if (wait_for(pid, secs, &st)) { describe_status(what, st); return 1; }
  say("%s did not end within %.0f s", what, secs);
  show_task(pid);
  return 0;
}

/* poison FILE FAULT [THEN]: then, a second memory failure on a single-owner file THEN. */
static int cmd_poison(const char *file, const char *fault, const char *then) {
  poison_once("poisoning", file, fault, 30);
  if (then) poison_once("second poisoning", then, "read", 10);
  return 0;
}

static int cmd_odirect(const char *file, const char *dev, double secs) {
  char *p = map_file(file, PROT_READ);
  volatile char *v = p;
  (void)v[0];
  say("mapped %s read-only MAP_SHARED, read fault on page 0", file);
  print_pagemap("odirect", p);
  int fd = open(dev, O_WRONLY | O_DIRECT);
  if (fd < 0) die("open block device O_DIRECT");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    double t0 = now();
    ssize_t n = pwrite(fd, p, 4096, 0);
    say("O_DIRECT write returned %zd%s%s after %.2f s", n, n < 0 ? " " : "", n < 0 ? strerror(errno) : "", now() - t0);
    _exit(0);
  }
  int st;
  if (wait_for(pid, secs, &st)) describe_status("writer", st);
  else kill_and_reap(pid, "O_DIRECT write", secs);
  return 0;
}

static int cmd_vmreadv(const char *file, const char *how, double secs) {
  int ready[2];
  if (pipe(ready)) die("pipe");
  pid_t owner = fork();
  if (owner < 0) die("fork");
  if (owner == 0) {
    char *p = map_file(file, PROT_READ | PROT_WRITE);
    volatile char *v = p;
    if (!strcmp(how, "cow")) {
      v[0] = 0x5a;
      if (mprotect(p, LEN, PROT_READ)) die("mprotect");
      say("owner: write fault on page 0, then mprotect(PROT_READ)");
    } else {
      (void)v[0];
      say("owner: read fault on page 0");
    }
    print_pagemap("owner", p);
    uintptr_t a = (uintptr_t)p;
    if (write(ready[1], &a, sizeof a) != sizeof a) die("pipe write");
    for (;;) pause();
  }
  uintptr_t addr;
  if (read(ready[0], &addr, sizeof addr) != sizeof addr) die("pipe read");
  pid_t reader = fork();
  if (reader < 0) die("fork");
  if (reader == 0) {
    char buf[4096];
    struct iovec l = { buf, sizeof buf }, r = { (void *)addr, sizeof buf };
    double t0 = now();
    ssize_t n = process_vm_readv(owner, &l, 1, &r, 1, 0);
    say("process_vm_readv returned %zd%s%s after %.2f s", n, n < 0 ? " " : "", n < 0 ? strerror(errno) : "", now() - t0);
    _exit(0);
  }
  int st;
  if (wait_for(reader, secs, &st)) describe_status("reader", st);
  else kill_and_reap(reader, "process_vm_readv", secs);
  kill(owner, SIGKILL);
  waitpid(owner, &st, 0);
  return 0;
}

/* pagemap FILE: a 2 MiB MAP_SHARED mapping at a 2 MiB-aligned address, read-faulted at page 0;
 * (or write-faulted); page 1 present without a fault of its own means the fault mapped a PMD. */
static int cmd_pagemap(const char *file, const char *fault) {
  int wr = !strcmp(fault, "write");
  const size_t pmd = 2UL << 20;
  char *area = mmap(NULL, 2 * pmd, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) die("mmap reserve");
  char *at = (char *)(((uintptr_t)area + pmd - 1) & ~(pmd - 1));
  int fd = open(file, wr ? O_RDWR : O_RDONLY);
  if (fd < 0) die("open");
  char *p = mmap(at, pmd, wr ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
  if (p == MAP_FAILED) die("mmap");
  volatile char *v = p;
  if (wr) v[0] = 0x5a; else (void)v[0];
  say("mapped %s (2 MiB at %p), %s fault on page 0", file, (void *)p, fault);
  print_pagemap("pagemap page0", p);
  print_pagemap("pagemap page1", p + 4096);
  return 0;
}

/* whichpage: the windows the child maps, for the SIGBUS handler's pagemap look. */
static char *wp_target, *wp_head;

static int pagemap_present(void *addr) {
  int fd = open("/proc/self/pagemap", O_RDONLY);
  uint64_t e = 0;
  if (fd < 0) return -1;
  int ok = pread(fd, &e, 8, ((uintptr_t)addr / 4096) * 8) == 8;
  close(fd);
  return ok ? (int)(e >> 63 & 1) : -1;
}

/* After the poison: is the poisoned page (and the head window, if mapped) still mapped?
 * Only async-signal-safe calls: the SIGBUS handler prints it too. */
static void say_mapped_after(void) {
  char buf[160];
  int n = wp_head && wp_head != wp_target
    ? snprintf(buf, sizeof buf, "REPRO: after poison: poisoned page %p present=%d, head window %p present=%d\n", wp_target, pagemap_present(wp_target), wp_head, pagemap_present(wp_head))
    : snprintf(buf, sizeof buf, "REPRO: after poison: poisoned page %p present=%d\n", wp_target, pagemap_present(wp_target));
  if (write(1, buf, n) < 0) {}
}

static void on_sigbus_wp(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  (void)sig;
  char buf[160];
  int n = snprintf(buf, sizeof buf, "REPRO: pid %d got SIGBUS code %d addr %p (poisoned %p)\n", getpid(), si->si_code, si->si_addr, wp_target);
  if (write(1, buf, n) < 0) {}
  say_mapped_after();
  _exit(7);
}

/* A 2 MiB-aligned file offset whose 2 MiB are written, contiguous and 2 MiB-aligned on the
 * device (pmem starts 2 MiB-aligned), so a 2 MiB-aligned mapping of it can be a PMD; -1 if none. */
static long pmd_extent(int fd, off_t size, unsigned long long *dev_off) {
  const unsigned long long pmd = 2ULL << 20;
  enum { N = 128 };
  static char buf[sizeof(struct fiemap) + N * sizeof(struct fiemap_extent)];
  struct fiemap *fm = (struct fiemap *)buf;
  memset(buf, 0, sizeof buf);
  fm->fm_start = 0;
  fm->fm_length = size;
  fm->fm_flags = FIEMAP_FLAG_SYNC;
  fm->fm_extent_count = N;
  if (ioctl(fd, FS_IOC_FIEMAP, fm)) die("FS_IOC_FIEMAP");
  const unsigned bad = FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC | FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_UNWRITTEN | FIEMAP_EXTENT_NOT_ALIGNED | FIEMAP_EXTENT_DATA_INLINE;
  for (unsigned long long off = 0; off + pmd <= (unsigned long long)size; off += pmd) {
    unsigned long long pos = off, expect = 0;
    int ok = 1, first = 1;
    while (ok && pos < off + pmd) {
      struct fiemap_extent *e = NULL;
      for (unsigned i = 0; i < fm->fm_mapped_extents; i++)
        if (fm->fm_extents[i].fe_logical <= pos && pos < fm->fm_extents[i].fe_logical + fm->fm_extents[i].fe_length) e = &fm->fm_extents[i];
      if (!e || (e->fe_flags & bad)) { ok = 0; break; }
      unsigned long long phys = e->fe_physical + (pos - e->fe_logical);
      if (first) { if (phys % pmd) ok = 0; expect = phys; *dev_off = phys; first = 0; }
      else if (phys != expect) ok = 0;
      unsigned long long adv = e->fe_logical + e->fe_length - pos;
      pos += adv;
      expect += adv;
    }
    if (ok) return (long)off;
  }
  return -1;
}

/* A 4 KiB MAP_SHARED window of fd at file offset off, read-faulted. */
static char *window(int fd, long off) {
  char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, off);
  if (p == MAP_FAILED) die("mmap window");
  volatile char *v = p;
  (void)v[0];
  return p;
}

/* Page of the 2 MiB extent the tail window maps (any page but 0 would do). */
enum { TAIL_PAGE = 37 };

static int cmd_whichpage(const char *file, const char *what, const char *pmdfault) {
  const size_t pmd = 2UL << 20;
  int fd = open(file, O_RDONLY);
  if (fd < 0) die("open");
  off_t size = lseek(fd, 0, SEEK_END);
  unsigned long long dev_off = 0;
  long off = pmd_extent(fd, size, &dev_off);
  if (off < 0) { say("whichpage: no 2 MiB-aligned extent in %s (%lld bytes)", file, (long long)size); return 3; }
  say("whichpage: 2 MiB extent at file offset 0x%lx, device offset 0x%llx", off, dev_off);
  if (!strcmp(pmdfault, "pmd")) {
    char *area = mmap(NULL, 2 * pmd, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) die("mmap reserve");
    char *at = (char *)(((uintptr_t)area + pmd - 1) & ~(pmd - 1));
    char *p = mmap(at, pmd, PROT_READ, MAP_SHARED | MAP_FIXED, fd, off);
    if (p == MAP_FAILED) die("mmap 2 MiB");
    volatile char *v = p;
    (void)v[0];
    say("whichpage: 2 MiB mapping at %p, read fault on page 0", (void *)p);
    print_pagemap("pmd page0", p);
    print_pagemap("pmd page1", p + 4096);  /* present without a fault of its own: a PMD */
    munmap(area, 2 * pmd);
    say("whichpage: 2 MiB mapping unmapped");
  } else {
    say("whichpage: no PMD fault first");
  }
  int head = !strcmp(what, "head") || !strcmp(what, "head-and-tail");
  int tail = !strcmp(what, "tail") || !strcmp(what, "head-and-tail");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus_wp;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);
    if (head) {
      wp_head = window(fd, off);
      say("whichpage: head window (page 0 of the extent) at %p", (void *)wp_head);
      print_pagemap("head window", wp_head);
    }
    if (tail) {
      wp_target = window(fd, off + TAIL_PAGE * 4096L);
      say("whichpage: tail window (page %d of the extent) at %p", TAIL_PAGE, (void *)wp_target);
      print_pagemap("tail window", wp_target);
    } else {
      wp_target = wp_head;
    }
    say("whichpage: poisoning %s page at %p", tail ? "the tail" : "the head", (void *)wp_target);
    tcdrain(1);
    int r = madvise(wp_target, 4096, MADV_HWPOISON);
    say("madvise(MADV_HWPOISON) returned %d%s%s", r, r ? " " : "", r ? strerror(errno) : "");
    say("whichpage: no SIGBUS");
    say_mapped_after();
    _exit(0);
  }
  int st;
  if (wait_for(pid, 30, &st)) describe_status("poisoning child", st);
  else { say("poisoning child did not end within 30 s"); show_task(pid); }
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc >= 4 && !strcmp(argv[1], "poison")) return cmd_poison(argv[2], argv[3], argc >= 5 ? argv[4] : NULL);
  if (argc >= 5 && !strcmp(argv[1], "odirect")) return cmd_odirect(argv[2], argv[3], atof(argv[4]));
  if (argc >= 5 && !strcmp(argv[1], "vmreadv")) return cmd_vmreadv(argv[2], argv[3], atof(argv[4]));
  if (argc >= 4 && !strcmp(argv[1], "pagemap")) return cmd_pagemap(argv[2], argv[3]);
  if (argc >= 5 && !strcmp(argv[1], "whichpage")) return cmd_whichpage(argv[2], argv[3], argv[4]);
  fprintf(stderr, "usage: repro poison|odirect|vmreadv|pagemap|whichpage ...\n");
  return 2;
}
