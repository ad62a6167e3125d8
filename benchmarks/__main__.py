"""`python -m benchmarks`: runs the benchmark suite (see `benchmarks.suite`)."""

from .suite import main

raise SystemExit(main())
