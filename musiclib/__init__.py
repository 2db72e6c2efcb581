"""musiclib: the helper library of the AI-generated music course.

One module per idea; each public function names the notebook that teaches it
("Taught in: notebooks/NN_name.ipynb") or, for infrastructure, who uses it. The
modules form layers (an import-linter contract in pyproject.toml checks them): a
module imports only from the layers below it. Bottom to top:

1. :mod:`musiclib.errors` — one exception hierarchy.
2. :mod:`musiclib.config` — profiles, seeding, paths; :mod:`musiclib.fileio` — atomic writes.
3. :mod:`musiclib.representation` — notes, piano rolls, melody tokens, MIDI/music21 reading.
4. :mod:`musiclib.features` — pitch, rhythm, roll and audio features;
   :mod:`musiclib.datasets` — the prepared corpora and your own MIDI folders;
   :mod:`musiclib.audio` — sound; :mod:`musiclib.rnn_math` — NumPy RNN/LSTM references.
5. :mod:`musiclib.notation` — scores and MIDI files with a fitting key signature.
6. :mod:`musiclib.display` — piano rolls, engraved scores, players;
   :mod:`musiclib.checks` — exercise checkers; :mod:`musiclib.pretrained` — shipped checkpoints.
7. :mod:`musiclib.sampling` — temperature, top-k, top-p, copying checks;
   :mod:`musiclib.metrics` — evaluating generated music (where present).
8. :mod:`musiclib.models` — n-gram, LSTM and the other models, each with its checkpoint I/O.
9. :mod:`musiclib.widgets` — the lessons' interactive controls.
10. :mod:`musiclib.train`, :mod:`musiclib.environment`, :mod:`musiclib.assignments` — commands
    and the set-up check.

The names learners reach for most are importable from here:
``from musiclib import load_notes, load_midi_folder, NoteList``.

Used by: every notebook (notebooks/00_welcome.ipynb onwards)
"""

from musiclib.datasets import load_chorales, load_folk, load_midi_folder
from musiclib.errors import MusicLibError
from musiclib.representation import NoteList, load_notes

__version__ = "0.1.0"
__all__ = [
    "MusicLibError",
    "NoteList",
    "__version__",
    "load_chorales",
    "load_folk",
    "load_midi_folder",
    "load_notes",
]
