"""Training, evaluation and timing of grasp-quality networks on Dex-Net tensors."""
