def shift_executions(n_generators, depth, n_qubits, batch_size):
    """Circuit executions of one forward + backward pass of the patch generator with parameter shift."""
    circuits = n_generators * batch_size  # one circuit per sub-generator and sample
    trainable = depth * n_qubits  # the RY weights of one circuit (the noise angles are not trained)
    return circuits * (1 + 2 * trainable)  # one forward run + two shifted runs per trainable angle
