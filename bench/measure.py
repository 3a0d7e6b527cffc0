"""Run a command and print its wall time, CPU time and peak RSS as JSON (one child, measured alone)."""

import json
import resource
import subprocess
import sys
import time

if __name__ == "__main__":
    started = time.perf_counter()
    code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"code": code, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
                      "maxrss_mb": usage.ru_maxrss / 1024}))
