// KGRecModel module.
