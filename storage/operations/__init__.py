"""Running tinbao for years: the jobs' last runs, the figures ``tinbao doctor`` reads, and the
database copies of ``tinbao backup`` and ``tinbao restore``."""
