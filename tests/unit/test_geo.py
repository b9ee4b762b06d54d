"""Haversine distance and the search box for the SQL prefilter."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.routing import bounding_box, distance_km
from tests.hypothesis_profiles import examples

BERLIN = (52.5200, 13.4050)
MUNICH = (48.1351, 11.5820)


def test_distance_berlin_to_munich_is_about_504_km():
    assert distance_km(*BERLIN, *MUNICH) == pytest.approx(504, abs=2)


def test_distance_to_itself_is_zero_and_symmetric():
    assert distance_km(*BERLIN, *BERLIN) == 0
    assert distance_km(*BERLIN, *MUNICH) == distance_km(*MUNICH, *BERLIN)


def test_distance_between_antipodes_is_half_the_circumference():
    assert distance_km(0, 0, 0, 180) == pytest.approx(math.pi * 6371.0088)


def test_bounding_box_around_berlin_is_about_one_degree_for_100_km():
    min_lat, max_lat, min_lon, max_lon = bounding_box(*BERLIN, 100)
    assert max_lat - min_lat == pytest.approx(1.8, abs=0.01)
    assert max_lon - min_lon == pytest.approx(2.96, abs=0.02)


def test_bounding_box_widens_to_every_longitude_near_a_pole():
    assert bounding_box(89.5, 10, 100)[2:] == (-180.0, 180.0)


def test_bounding_box_widens_to_every_longitude_across_the_antimeridian():
    assert bounding_box(0, 179.9, 50)[2:] == (-180.0, 180.0)


def test_bounding_box_of_zero_radius_is_the_point():
    assert bounding_box(10, 20, 0) == (10, 10, 20, 20)


@settings(max_examples=examples(300), deadline=None, database=None)
@given(
    lat=st.floats(-89.9, 89.9),
    lon=st.floats(-180, 180),
    radius=st.floats(0, 3000),
    bearing=st.floats(0, 2 * math.pi),
    fraction=st.floats(0, 1),
)
def test_bounding_box_holds_every_point_within_the_radius(lat, lon, radius, bearing, fraction):
    # Walk fraction * radius along a great circle, then check the box holds the end.
    angular = fraction * radius / 6371.0088
    phi1, lambda1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(angular) + math.cos(phi1) * math.sin(angular) * math.cos(bearing)
    )
    lambda2 = lambda1 + math.atan2(
        math.sin(bearing) * math.sin(angular) * math.cos(phi1),
        math.cos(angular) - math.sin(phi1) * math.sin(phi2),
    )
    end_lat = math.degrees(phi2)
    end_lon = (math.degrees(lambda2) + 540) % 360 - 180
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius + 0.001)
    assert min_lat <= end_lat <= max_lat
    assert min_lon <= end_lon <= max_lon
