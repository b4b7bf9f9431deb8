"""One thin click script per pipeline stage: parse arguments, call pipeline_lib."""
