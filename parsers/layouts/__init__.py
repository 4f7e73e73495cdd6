"""Layout readers: each turns one way of printing tables into the neutral Grid."""
