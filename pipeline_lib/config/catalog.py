"""The attributes each generator and image-set kind measures, importable without torch.

The Snakefile and the CLI validate params with these (and each kind's SETTINGS, read by
pipeline_lib/config/definitions.py) alone, so parsing the workflow (every Snakemake start, every
DVC stage, every cluster job) skips importing torch. The kinds must agree: tests/test_catalog.py.
"""
from __future__ import annotations

from pipeline_lib.config.attribute_schema import Attribute, AttributeSchema

SHAPES_FACTORS = ("shape", "size", "pos_x", "pos_y", "hue", "background")
SHAPES_SCHEMA = AttributeSchema(
    tuple(Attribute(n, "binary" if n == "shape" else "continuous") for n in SHAPES_FACTORS),
    {"position": ("pos_x", "pos_y")},
)
DIGITS_MEASURES = ("ink", "slant", "width")
DIGITS_SCHEMA = AttributeSchema((Attribute("loop", "binary"), *(Attribute(m, "continuous") for m in DIGITS_MEASURES)))

# the MTCNN faces judge (pipeline_lib/attributes/face_judge.py): measures from its box and five landmarks,
# then the landmarks themselves (x, y in units of the side) as the group `landmarks`
MTCNN_MEASURES = ("yaw", "roll", "pitch", "mouth", "scale", "centre_x", "centre_y", "face_brightness",
                  "background_brightness")
MTCNN_LANDMARKS = tuple(f"{p}_{a}" for p in ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right") for a in "xy")
MTCNN_SCHEMA = AttributeSchema(tuple(Attribute(n, "continuous") for n in (*MTCNN_MEASURES, *MTCNN_LANDMARKS)),
                               {"landmarks": MTCNN_LANDMARKS})
# judge kinds that label a generator's samples themselves (no training) -> what they measure; the guide of such a
# dataset trains on their labels of generated samples
LABELING_JUDGES = {"mtcnn": MTCNN_SCHEMA}
# groups of (x, y) landmark pairs in the order left eye, right eye, nose, left and right mouth corner: their task
# turns the face (pipeline_lib/attributes/tasks.py), not a point drawn at random
KEYPOINT_GROUPS = ("landmarks",)

PROCEDURAL_SCHEMAS = {"shapes": SHAPES_SCHEMA}  # what each procedural generator kind's oracle measures
ROLES = ("guide", "judge")               # the attribute readers: what methods read, what scores them


def celeba_schema(config: dict) -> AttributeSchema:
    """A CelebA-layout folder's chosen ``attributes``, all binary."""
    return AttributeSchema(tuple(Attribute(name, "binary") for name in config["attributes"]))


def declared_schema(attributes: list[dict]) -> AttributeSchema:
    """params' ``[{name, kind}, ...]`` of a TorchScript predictor -> the schema, in its output order."""
    return AttributeSchema(tuple(Attribute(a["name"], a["kind"]) for a in attributes))


IMAGE_SET_SCHEMAS = {"digits": lambda config: DIGITS_SCHEMA, "celeba": celeba_schema}  # kind -> schema of its config


def image_set_schema(config: dict) -> AttributeSchema:
    """The attributes the image set params ``config`` (with its ``kind``) labels."""
    return IMAGE_SET_SCHEMAS[config["kind"]](config)
