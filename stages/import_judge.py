"""Bring a user's TorchScript attribute predictor into the pipeline's weight file, as the judge."""
from stages.import_guide import import_command

main = import_command("judge")

if __name__ == "__main__":
    main()
