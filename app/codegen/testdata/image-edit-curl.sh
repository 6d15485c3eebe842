# Save cat.png, it's a;b,c "q".png and masks_mask.png next to this script and run it from that folder.
curl -sS 'https://api.aimlapi.com/v1/images/edits' \
  -H 'Authorization: Bearer <YOUR_AIMLAPI_KEY>' \
  --form-string 'model=openai/gpt-image-1' \
  --form-string 'prompt=Put the "cat" in a hat: it'\''s $(date) ${HOME} `id` C:\\dir '\'''\'''\'' @x;type=y
line 2 日本語  ' \
  --form-string 'n=2' \
  --form-string 'size=1024x1024' \
  -F 'image=@cat.png;type=image/png' \
  -F 'image=@"it'\''s a;b,c \"q\".png";type=image/png' \
  -F 'mask=@masks_mask.png;filename="masks/mask.png";type=image/png'
