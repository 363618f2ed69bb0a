// KGRecTensor module.
