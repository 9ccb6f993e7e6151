from rolloutlint.cli import main

main()
