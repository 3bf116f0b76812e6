"""Grasp-quality networks: DexNetGQCNN, EfficientNet, DexNetFCGQCNN and fakeFCGQCNN.

``registry.get_model(name, cfg)`` builds one by name; ``config`` holds their architecture dataclasses
(no torch). Nothing is re-exported here, so reading a config never imports torch.
"""
