#!/bin/sh
# fsdax-audit repro: the guest's /init (busybox sh). The host writes /plan (shell
# variables: NAME MKFS_OPTS SHARE PROGRAM, optional SIZE EXTSIZE FS) next to this script; every line
# meant for the host's verdict parser starts with "REPRO". FS is xfs (default, mounted dax=always)
# or ext4 (mounted -o dax; no reflink, no extent size hint).
export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /mnt /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
. /plan
echo "REPRO-BOOT $(uname -r) $NAME"
end() { echo "REPRO-END $1"; sync; poweroff -f; sleep 5; echo o > /proc/sysrq-trigger; }
for m in $(cat /modules.list); do
  insmod "/lib/modules/$m" 2>/tmp/insmod.err || { grep -q 'File exists' /tmp/insmod.err || echo "REPRO: insmod $m failed: $(cat /tmp/insmod.err)"; }
done
i=0
while [ ! -b /dev/pmem0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
[ -b /dev/pmem0 ] || { echo "REPRO-SETUP-FAILED no /dev/pmem0"; end setup; }
echo "REPRO: pmem0 $(cat /sys/block/pmem0/size) sectors, dax=$(cat /sys/block/pmem0/queue/dax 2>/dev/null)"
FS=${FS:-xfs}
if [ "$FS" = ext4 ]; then
  mkfs.ext4 -F -q $MKFS_OPTS /dev/pmem0 >/tmp/mkfs.log 2>&1 || { echo "REPRO-SETUP-FAILED mkfs.ext4 $MKFS_OPTS: $(cat /tmp/mkfs.log)"; end setup; }
  mount -t ext4 -o dax /dev/pmem0 /mnt 2>/tmp/mount.err || { echo "REPRO-SETUP-FAILED mount ext4 -o dax: $(cat /tmp/mount.err)"; end setup; }
else
  mkfs.xfs -f -q $MKFS_OPTS /dev/pmem0 >/tmp/mkfs.log 2>&1 || { echo "REPRO-SETUP-FAILED mkfs.xfs $MKFS_OPTS: $(cat /tmp/mkfs.log)"; end setup; }
  mount -t xfs -o dax=always /dev/pmem0 /mnt 2>/tmp/mount.err || { echo "REPRO-SETUP-FAILED mount dax=always: $(cat /tmp/mount.err)"; end setup; }
fi
SIZE=${SIZE:-64k}
bs=; [ "$FS" = ext4 ] && bs="-b 2m"   # ext4: 2 MiB writes, stripe-aligned allocations (-E stride=512)
xfs_io -f ${EXTSIZE:+-c "extsize $EXTSIZE"} -c "pwrite -q $bs -S 0xab 0 $SIZE" -c fsync /mnt/A || { echo "REPRO-SETUP-FAILED pwrite"; end setup; }
xfs_io -f -c "pwrite -q -S 0xcd 0 64k" -c fsync /mnt/C || { echo "REPRO-SETUP-FAILED pwrite"; end setup; }  # never shared
if [ "$SHARE" = 1 ]; then
  xfs_io -f -c "reflink /mnt/A" /mnt/B >/dev/null || { echo "REPRO-SETUP-FAILED reflink"; end setup; }
  echo "REPRO: /mnt/B reflinks /mnt/A ($MKFS_OPTS)"
else
  echo "REPRO: /mnt/A has a single owner ($MKFS_OPTS)"
fi
[ -n "$EXTSIZE" ] && echo "REPRO: /mnt/A extents: $(xfs_io -c 'bmap -v' /mnt/A | tail -n +3 | tr -s ' ' | tr '\n' ';')"
[ "$FS" = ext4 ] && echo "REPRO: /mnt/A extents: $(xfs_io -c 'fiemap -v' /mnt/A | tail -n +3 | tr -s ' ' | tr '\n' ';')"
echo "REPRO: dax flag on A: $(xfs_io -c 'statx -r' /mnt/A 2>/dev/null | grep -o 'attributes = 0x[0-9a-f]*')"
echo "REPRO-RUN $PROGRAM"
/bin/repro $PROGRAM
echo "REPRO: program exit $?"
end done
