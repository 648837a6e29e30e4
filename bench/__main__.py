"""`make bench`: prints medians and ratios; never a pass/fail test (shared, noisy machines)."""

from . import rewarm_bench, synth_bench, warm_bench

synth_bench.main()
warm_bench.main()
rewarm_bench.main()
