"""`make bench`: prints medians and ratios; never a pass/fail test (shared, noisy machines)."""

from . import miss_fill_bench, organization_bench, rewarm_bench, rewrite_bench, synth_bench, warm_bench

synth_bench.main()
organization_bench.main()
warm_bench.main()
rewarm_bench.main()
rewrite_bench.main()
miss_fill_bench.main()
