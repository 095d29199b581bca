"""GpuPool: CUDA_VISIBLE_DEVICES per trial, never two trials on one GPU unless asked."""

from __future__ import annotations

import pytest

from hyperscout.engine import GpuPool
from hyperscout.errors import ConfigError


def test_no_gpu_setting_leaves_the_environment_alone():
    assert GpuPool(None).acquire(0) == {}


def test_zero_gpus_hides_every_device():
    assert GpuPool(0).acquire(0) == {"CUDA_VISIBLE_DEVICES": ""}


def test_trials_get_distinct_gpus_and_wait_when_none_is_free():
    pool = GpuPool(1, [0, 1])
    assert pool.acquire(0) == {"CUDA_VISIBLE_DEVICES": "0"}
    assert pool.acquire(1) == {"CUDA_VISIBLE_DEVICES": "1"}
    assert pool.acquire(2) is None
    pool.release(0)
    assert pool.acquire(2) == {"CUDA_VISIBLE_DEVICES": "0"}


def test_max_trials_per_gpu_allows_sharing():
    pool = GpuPool(2, [0, 1], max_trials_per_gpu=2)
    assert pool.acquire(0) == {"CUDA_VISIBLE_DEVICES": "0,1"}
    assert pool.acquire(1) == {"CUDA_VISIBLE_DEVICES": "0,1"}
    assert pool.acquire(2) is None


def test_asking_for_more_gpus_than_exist_is_a_clear_error():
    with pytest.raises(ConfigError, match="`gpus_per_trial` is 2 but there is GPUs \\[0\\]"):
        GpuPool(2, [0])
