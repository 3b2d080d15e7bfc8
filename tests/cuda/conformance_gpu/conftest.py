"""ember's conformance suite on the real ``cuda`` device: collected only where a GPU is available
(``packages/cuda-backend/gpu_check.sh`` runs it); elsewhere this folder holds no test."""

import ember.cuda
import ember.testing

if ember.cuda.is_available():
    pytest_collect_file = ember.testing.conformance_suite("cuda", tolerances={"float32": (1e-4, 1e-5)})
