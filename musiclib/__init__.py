"""musiclib: the helper library of the AI-generated music course.

Each module holds one idea and names the notebook that teaches it:

- :mod:`musiclib.errors` - one exception hierarchy
- :mod:`musiclib.config` - profiles, seeding, paths
- :mod:`musiclib.representation` - notes, piano rolls, melody tokens, MIDI
- :mod:`musiclib.datasets` - the prepared corpora and your own MIDI folders
- :mod:`musiclib.audio` - a NumPy synthesizer and WAV export
- :mod:`musiclib.display` - piano rolls, scores (verovio) and players
- :mod:`musiclib.checks` - exercise checkers
- :mod:`musiclib.environment` - the set-up check
"""

from musiclib.errors import MusicLibError

__version__ = "0.1.0"
__all__ = ["MusicLibError", "__version__"]
