package schema

// Own marks the top-level field name as filled by the run area rather than the parameter form,
// and reports whether the operation has such a field. An endpoint kind calls it for the parts of
// the request its run area owns (see package kind): the model picker owns `model`, a chat
// conversation owns `messages`, an image run area its `prompt`.
//
// With c Model or Messages the field becomes that control (the model is any id string, checked
// against the catalogue rather than the schema's enum; the conversation keeps its item schema);
// with any other c, the field keeps the control its schema gives it and is only marked Page, so
// it is validated like any other field.
func (op *Operation) Own(name string, c Control) bool {
	for i := range op.Fields {
		f := &op.Fields[i]
		if f.Name != name {
			continue
		}
		f.Page = true
		switch c {
		case Model, Messages:
			g := Field{Name: f.Name, Label: f.Label, Help: f.Help, Default: f.Default, Example: f.Example,
				Nullable: f.Nullable, Required: f.Required, Control: c, Type: "string", Page: true}
			if c == Messages {
				g.Type = "array"
				if s := op.propertySchema(name); s != nil {
					if s.Items != nil {
						items := fieldOf("message", s.Items, 1)
						g.Items = &items
					}
					g.MinItems, g.MaxItems = s.MinItems, s.MaxItems
				}
			}
			*f = g
		}
		return true
	}
	return false
}

// propertySchema returns the request body's schema of the top-level property name, without null.
func (op *Operation) propertySchema(name string) *Schema {
	if op.Body == nil {
		return nil
	}
	s := flattenAllOf(op.Body).Properties.Get(name)
	if s == nil {
		return nil
	}
	s, _ = stripNull(flattenAllOf(s))
	return flattenAllOf(s)
}

// Field returns the operation's top-level field called name, or nil.
func (op *Operation) Field(name string) *Field {
	for i := range op.Fields {
		if op.Fields[i].Name == name {
			return &op.Fields[i]
		}
	}
	return nil
}
