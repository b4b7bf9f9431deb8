"""Train the judge: a CNN reader on its own samples (pipeline_lib/attributes/readers.py), early stopping, error gate."""
from stages.reader import reader_command

main = reader_command("judge")

if __name__ == "__main__":
    main()
