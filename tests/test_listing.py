from dexgen.listing import first_n


def test_first_n_names_how_many_were_left_out():
    keys = [f"obj_{i:02d}" for i in range(12)]
    text = first_n(keys, 10)
    assert text.startswith("obj_00, obj_01") and "obj_09" in text and "obj_10" not in text
    assert text.endswith(", and 2 more")
    assert first_n(keys, 12) == ", ".join(keys)
    assert first_n(["a: x", "b: y", "c: z"], 2, sep="; ") == "a: x; b: y; and 1 more"
    assert first_n([], 3) == ""
