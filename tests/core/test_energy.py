import time

import pytest

from importance.energy import EnergyMeter, total
from tests.conftest import NoReading


def test_phases_are_measured_and_the_method_is_stated():
    meter = EnergyMeter("ITA")
    with meter.phase("work") as e:
        t = time.perf_counter()
        while time.perf_counter() - t < 0.3:
            pass
    assert e.seconds >= 0.3
    assert e.energy_kwh > 0
    assert e.energy_kwh == pytest.approx(e.cpu_kwh + e.ram_kwh + (e.gpu_kwh or 0.0))
    assert e.emissions_kg == pytest.approx(e.energy_kwh * meter.method.grid_g_per_kwh / 1000)
    m = meter.method
    assert m.country == "ITA" and m.ram_watts > 0 and 100 < m.grid_g_per_kwh < 1000
    assert m.cpu in {"RAPL counters", "estimated from CPU load", "CPU TDP constant"}
    assert m.cpu in m.summary and "gCO2e/kWh" in m.summary


def test_bad_country_is_explained():
    with pytest.raises(ValueError, match="alpha-3 code like 'ITA', got 'Italy'"):
        EnergyMeter("Italy")


class Raising:
    def start_task(self, name):
        pass

    def stop_task(self, name):
        raise RuntimeError("no power reading")


@pytest.mark.parametrize("tracker", [NoReading(), Raising()], ids=["nothing", "raises"])
def test_a_failed_reading_is_not_measured_not_zero(tracker):
    meter = EnergyMeter("ITA")
    meter._tracker = tracker
    with meter.phase("work") as e:
        time.sleep(0.01)
    assert e.seconds > 0
    assert e.energy_kwh is None and e.emissions_kg is None and e.cpu_kwh is None
    assert total([1.0, e.energy_kwh]) is None and total([1.0, 2.0]) == 3.0
