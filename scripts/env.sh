# Sourced by run.sh and test.sh: venv, a faster allocator for torch, quiet offline CodeCarbon.
# tcmalloc when installed; otherwise glibc tuned to keep freed memory (no mmap per large
# tensor, no trimming), which removed the same page faults (benchmarks/bench_allocator.py).
. .venv/bin/activate
tcmalloc=""
for lib in /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 \
           /usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4; do
  if [ -e "$lib" ]; then tcmalloc="$lib"; break; fi
done
if [ -n "$tcmalloc" ]; then
  export LD_PRELOAD="$tcmalloc${LD_PRELOAD:+:$LD_PRELOAD}"
elif [ -z "${GLIBC_TUNABLES:-}" ]; then
  export GLIBC_TUNABLES="glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967295"
fi
unset tcmalloc
export CODECARBON_LOG_LEVEL=error
