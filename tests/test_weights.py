"""Weight files: the same content gives the same bytes, whatever the file's name or the writing process."""
import hashlib

import torch

from pipeline_lib.util.weights import load_checkpoint, save_checkpoint


def test_a_checkpoint_has_the_same_bytes_under_any_name(tmp_path):
    payload = {"kind": "demo", "weights": torch.arange(6.0).view(2, 3)}
    first, second = tmp_path / "a" / "method.pt", tmp_path / "b" / "other.pt"
    save_checkpoint(payload, first)
    save_checkpoint(payload, second)
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    assert torch.equal(load_checkpoint(second, required=("weights",))["weights"], payload["weights"])
    assert not list(tmp_path.rglob(".*.tmp*"))  # no temporary file left beside them
