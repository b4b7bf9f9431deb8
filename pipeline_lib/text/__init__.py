"""Text-guided editing on ``shapes``: captions from true factors, sentence embeddings, a caption predictor."""
