// repro: a "newc" cpio archive writer (pure), the initramfs format the kernel unpacks.
// Archives concatenate: the kernel reads base + per-run plan as one initramfs.

export interface CpioEntry {
  path: string;
  /** Full st_mode: type bits included (0o040755 dir, 0o100644 file, 0o120777 symlink). */
  mode: number;
  data?: Buffer;
}

function header(ino: number, mode: number, size: number, nameSize: number, nlink: number): string {
  const h = (n: number) => n.toString(16).padStart(8, '0');
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  return `070701${h(ino)}${h(mode)}${h(0)}${h(0)}${h(nlink)}${h(0)}${h(size)}${h(0)}${h(0)}${h(0)}${h(0)}${h(nameSize)}${h(0)}`;
}

const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);

/** The archive, with the trailer; mtimes 0 and uid/gid 0, so equal inputs give equal bytes. */
export function writeCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const add = (name: string, mode: number, data: Buffer, nlink: number) => {
    const nameBuf = Buffer.from(`${name}\0`);
    const head = Buffer.from(header(ino++, mode, data.length, nameBuf.length, nlink), 'ascii');
    parts.push(head, nameBuf, pad4(head.length + nameBuf.length), data, pad4(data.length));
  };
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    if (!name) continue;
    const isDir = (e.mode & 0o170000) === 0o040000;
    add(name, e.mode, e.data ?? Buffer.alloc(0), isDir ? 2 : 1);
  }
  add('TRAILER!!!', 0, Buffer.alloc(0), 1);
  return Buffer.concat(parts);
}

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
