"""Models of the course: melody (n-gram baseline and LSTM).

``musiclib.models.ngram`` needs only NumPy; ``musiclib.models.melody`` imports
TensorFlow (several seconds) when first used.

Taught in: notebooks/04_lstm_melody_generation.ipynb
"""

from musiclib.models.ngram import NGramModel, fit_best_ngram

__all__ = ["NGramModel", "fit_best_ngram"]
