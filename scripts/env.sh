# Sourced by run.sh and test.sh: venv, tcmalloc when present, quiet offline CodeCarbon.
. .venv/bin/activate
for lib in /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 \
           /usr/lib/aarch64-linux-gnu/libtcmalloc_minimal.so.4; do
  if [ -e "$lib" ]; then export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"; break; fi
done
export CODECARBON_LOG_LEVEL=error
