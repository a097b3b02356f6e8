from clearway.cli import main

if __name__ == "__main__":  # (not when a spawned helper process imports the main module: flows/preparing.py)
    main()
