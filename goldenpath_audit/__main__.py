"""`python -m goldenpath_audit` runs the same app as the console script."""

from goldenpath_audit.cli import main

if __name__ == "__main__":
    main()
