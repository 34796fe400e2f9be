"""The demo dataset: the registry's organisations, people and events (``dataset``, with the word
lists in ``words``), every app's demo on top of them (``grading``, ...), and the ``seed_demo``
command that builds them all. The top layer: it may import every app, and no app imports it."""
