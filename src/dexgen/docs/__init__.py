"""Reference pages of the documentation site made from the code itself (the params tree, the ``dexgen``
parsers, ``dvc.yaml``), so the site cannot drift from what runs. ``scripts/gen_docs.py`` writes them and
``tests/docs`` checks the committed pages equal a fresh build."""
