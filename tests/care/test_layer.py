"""The care app publishes buildings (no one's personal data) through the layer registry, and
nothing of households or care subjects: a public layer request shows no name, address of a
household, ID or phone number."""
import json

import pytest
from django.test import Client

from layers.registry import registry
from tests.care.builders import care_world

pytestmark = pytest.mark.django_db


def test_buildings_are_a_layer_and_households_are_not():
    w = care_world()
    assert "care_buildings" in registry.names()
    assert not any(layer.model.__module__ == "geogrid.care.models" and layer.model.__name__ != "Building" for layer in registry)
    r = Client().get("/layers/care_buildings.geojson")
    assert r.status_code == 200
    fc = json.loads(r.content)
    (f,) = fc["features"]
    assert f["geometry"] == {"type": "Point", "coordinates": [116.705, 36.52]}
    assert f["properties"]["name"] == "1号楼" and f["properties"]["grid_code"] == "3701120010010101"
    body = r.content.decode()
    for private in ("王秀英", "甲路1号1单元101", w["sub1"].id_number, "13812345678", "head"):
        assert private not in body
