import pytest

from importance.config import RunConfig, TrainConfig, WindowConfig


def test_a_config_survives_the_round_trip_the_run_store_makes():
    cfg = RunConfig(train=TrainConfig(strategy="gradnorm", strategy_params={"keep_ratio": 0.8},
                                      lr_schedule="constant"))
    assert RunConfig.from_dict(cfg.to_dict()) == cfg


def test_a_run_stored_before_the_lr_schedule_existed_reads_as_constant():
    old = RunConfig().to_dict()
    del old["train"]["lr_schedule"]
    assert RunConfig.from_dict(old).train.lr_schedule == "constant"
    assert TrainConfig().lr_schedule == "cosine"


def test_a_run_stored_before_the_holiday_feature_existed_reads_as_without_it():
    old = RunConfig().to_dict()
    del old["window"]["holidays"]
    assert RunConfig.from_dict(old).window.holidays is None
    assert WindowConfig().holidays == "ITA"
    cfg = RunConfig(window=WindowConfig(holidays=None))
    assert RunConfig.from_dict(cfg.to_dict()) == cfg


def test_unknown_sections_are_named():
    with pytest.raises(ValueError, match=r"unknown run config sections \['optimizer'\]"):
        RunConfig.from_dict({**RunConfig().to_dict(), "optimizer": {}})
