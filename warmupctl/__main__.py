"""``python -m warmupctl``."""

from warmupctl.cli import main

if __name__ == "__main__":
    main()
