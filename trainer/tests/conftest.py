import os
import sys
from pathlib import Path

# the CPU is shared with other test layers: one intra-op thread is faster than two fighting for cores
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

torch.set_num_threads(1)
