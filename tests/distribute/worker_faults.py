"""Run under mpiexec by test_faults_mpi.py: rank 1 fails in the way named by argv[1] while
rank 0 waits for it in a collective; the job must end, non-zero, naming a rank.

  kill    rank 1 is killed by SIGKILL
  raise   rank 1 raises an exception nobody catches
  freeze  rank 1 stops answering; rank 0's watchdog fires after timeout_seconds (argv[2])
"""

import os
import signal
import sys
import time

import tapeflow as tf

mode = sys.argv[1]
timeout = float(sys.argv[2]) if len(sys.argv) > 2 else None
strategy = tf.distribute.MultiWorkerMirroredStrategy(
    communication_options=tf.distribute.experimental.CommunicationOptions(timeout_seconds=timeout)
)
rank = strategy.cluster_resolver.task_id
value = strategy.reduce("SUM", tf.constant(1.0), axis=None)  # everyone alive so far
assert float(value) == strategy.num_replicas_in_sync
if rank == 1:
    print(f"FAULT_AT {time.time()!r}", flush=True)
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif mode == "raise":
        raise RuntimeError("rank 1 failed on purpose")
    elif mode == "freeze":
        time.sleep(3600)
strategy.reduce("SUM", tf.constant(2.0), axis=None)
print(f"rank {rank} finished", flush=True)
