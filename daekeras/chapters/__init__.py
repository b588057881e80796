"""The claim checks of the book's chapters, one module per chapter.

A chapter computes its measurements with a function of its module here
(one root seed in, a dict of measurements out) and checks the sentences of
its prose with another (`check(measurements)`: an `AssertionError` naming
the claim that fails). The notebook calls both for its `SEED`;
`tests/test_chapter_NN_seeds.py` (one file per chapter) calls them for other root seeds, on a reduced
budget where the chapter's own is too slow, so that a claim the prose states
as a property of the method is not a property of one seed.

These modules hold no method of their own: they call the public API of
`daekeras` and nothing else.
"""
