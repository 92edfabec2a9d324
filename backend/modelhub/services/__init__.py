"""modelhub writes: versions (import, promote, roll back), training, evaluation, inference."""
