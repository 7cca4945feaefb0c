"""Pure text judgements shared by extraction, the offline model and `ask`: quote normalisation
and the proposition check."""
