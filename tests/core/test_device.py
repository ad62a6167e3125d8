"""tf.device, tensor.device and tf.config's device functions (the CPU-only machine's answers
are also compared with TF in the golden test). On the CuPy backend (one GPU, or the stand-in)
the answers are those of a machine with that GPU: every op runs on GPU 0."""

import pytest

import tapeflow as tf
from tapeflow.backend import devices
from tapeflow.backend import name as backend_name
from tapeflow.core import device as device_module

CPU = "/job:localhost/replica:0/task:0/device:CPU:0"
GPUS = devices.gpu_count()  # 0 on NumPy
# Where every op runs: the backend's one device.
COMPUTE = CPU if backend_name == "numpy" else "/job:localhost/replica:0/task:0/device:GPU:0"


@pytest.fixture
def restore_placement():
    yield
    tf.config.set_soft_device_placement(True)
    device_module.disable_op_determinism()


def test_device_scope_accepts_tf_names_and_runs_on_the_backend_device():
    for name in ("/CPU:0", "cpu", "/device:CPU:0", CPU, "/GPU:0", "/gpu:3", "GPU", None, ""):
        with tf.device(name):
            x = tf.constant([1.0]) * 2
        assert x.device == COMPUTE
    assert tf.Variable(1.0).device == COMPUTE


def test_malformed_and_remote_names_are_tf_errors():
    with pytest.raises(ValueError, match="Unknown attribute 'bad'"):
        tf.device("bad")
    with pytest.raises(ValueError, match="Multiple device types"):
        tf.device("/CPU:0/GPU:0")
    with pytest.raises(tf.errors.InvalidArgumentError, match="unknown device"):
        with tf.device("/job:worker/task:1"):
            pass


def test_hard_placement_refuses_a_missing_gpu(restore_placement):
    tf.config.set_soft_device_placement(False)
    assert tf.config.get_soft_device_placement() is False
    with pytest.raises(tf.errors.InvalidArgumentError, match="Could not satisfy device"):
        with tf.device(f"/GPU:{GPUS}"):  # one past the last GPU: /GPU:0 on a CPU machine
            pass
    for present in ["/CPU:0"] + [f"/GPU:{i}" for i in range(GPUS)]:
        with tf.device(present):
            pass


def test_device_scope_inside_tf_function():
    @tf.function
    def f(x):
        with tf.device("/GPU:0"):
            return x + 1

    assert float(f(tf.constant(1.0))) == 2.0


def test_listing_the_devices_gives_tf_namedtuples():
    (cpu,) = tf.config.list_physical_devices("CPU")
    assert cpu == tf.config.PhysicalDevice(name="/physical_device:CPU:0", device_type="CPU")
    assert cpu.name == "/physical_device:CPU:0"
    gpus = [tf.config.PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i in range(GPUS)]
    assert tf.config.list_physical_devices("GPU") == gpus
    assert tf.config.list_logical_devices() == [
        tf.config.LogicalDevice(name="/device:CPU:0", device_type="CPU")
    ] + [tf.config.LogicalDevice(name=f"/device:GPU:{i}", device_type="GPU") for i in range(GPUS)]
    assert tf.config.experimental.list_physical_devices() == [cpu] + gpus
    assert tf.config.experimental.get_device_details(cpu) == {}


def test_visible_devices_can_hide_unused_gpus_only():
    (cpu,) = tf.config.list_physical_devices("CPU")
    if GPUS:  # the GPUs compute: hiding them would move the arrays
        with pytest.raises(RuntimeError, match="cannot be modified"):
            tf.config.set_visible_devices([], "GPU")
        tf.config.set_visible_devices(tf.config.list_physical_devices("GPU"), "GPU")
        assert tf.config.get_visible_devices() == tf.config.list_physical_devices()
    else:
        tf.config.set_visible_devices([], "GPU")
        tf.config.set_visible_devices([cpu])
        assert tf.config.get_visible_devices() == [cpu]
    with pytest.raises(RuntimeError, match="cannot be modified"):
        tf.config.set_visible_devices([], "CPU")
    devices._state["visible"] = None


def test_memory_growth_is_a_gpu_setting(monkeypatch):
    (cpu,) = tf.config.list_physical_devices("CPU")
    with pytest.raises(ValueError, match="non-GPU"):
        tf.config.experimental.set_memory_growth(cpu, True)
    with pytest.raises(KeyError):
        tf.config.experimental.get_memory_growth(cpu)
    gpu = tf.config.PhysicalDevice("/physical_device:GPU:0", "GPU")
    monkeypatch.setattr(devices, "gpu_count", lambda: 1)
    assert tf.config.experimental.get_memory_growth(gpu) is False
    tf.config.experimental.set_memory_growth(gpu, True)
    assert tf.config.experimental.get_memory_growth(gpu) is True
    assert tf.config.list_logical_devices("GPU")[0].name == "/device:GPU:0"
    devices._state["memory_growth"].clear()


def test_op_determinism_is_recorded(restore_placement):
    assert not device_module.is_op_determinism_enabled()
    tf.config.experimental.enable_op_determinism()
    assert device_module.is_op_determinism_enabled()


def test_tf_test_device_queries_answer_for_the_backend():
    assert tf.test.is_gpu_available() is (GPUS > 0)
    assert tf.test.gpu_device_name() == ("/device:GPU:0" if GPUS else "")
    assert tf.test.is_built_with_cuda() is (backend_name == "cupy")
